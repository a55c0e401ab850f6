using static FriendLite.Edge.Tests.Memory.ExtractorText;

namespace FriendLite.Edge.Tests.Memory;

/// <summary>
/// The offline extractor on one sentence at a time, against a fixed clock: the description a user
/// reads and the exact moment (with the zone's offset then) the item is due. Unless a row says
/// otherwise, "now" is Wednesday 2 December 2026, 09:15 in Berlin.
/// </summary>
public sealed class DueDateTableTests
{
    [Theory]
    // Weekdays, times of day, the daytime rule for bare hours.
    [InlineData(Wednesday, "Remind me to call the dentist on Friday at ten.", "Call the dentist", "2026-12-04T10:00:00+01:00")]
    [InlineData(Wednesday, "I have to call the bank on Wednesday.", "Call the bank", "2026-12-09T09:00:00+01:00")]
    [InlineData(Wednesday, "Could you pick up the dry cleaning on Thursday?", "Pick up the dry cleaning", "2026-12-03T09:00:00+01:00")]
    [InlineData(Wednesday, "I'm going to clean the kitchen on Saturday afternoon.", "Clean the kitchen", "2026-12-05T15:00:00+01:00")]
    [InlineData(Wednesday, "Remember to put the bins out on Sunday evening.", "Put the bins out", "2026-12-06T19:00:00+01:00")]
    [InlineData(Wednesday, "Remind me to book the flights on Monday morning.", "Book the flights", "2026-12-07T09:00:00+01:00")]
    [InlineData(Wednesday, "Let's meet Anna next Tuesday.", "Meet Anna", "2026-12-08T09:00:00+01:00")]
    [InlineData(Wednesday, "Let's schedule the review for next Friday at two.", "Schedule the review", "2026-12-11T14:00:00+01:00")]
    [InlineData(Wednesday, "Let's book a table for Friday at seven in the evening.", "Book a table", "2026-12-04T19:00:00+01:00")]
    [InlineData(Wednesday, "Let's have lunch with Sam on Friday at one.", "Have lunch with Sam", "2026-12-04T13:00:00+01:00")]
    [InlineData(Wednesday, "I have to return the library books by Friday.", "Return the library books", "2026-12-04T09:00:00+01:00")]
    [InlineData(Wednesday, "On Friday, remind me to call the dentist.", "Call the dentist", "2026-12-04T09:00:00+01:00")]
    [InlineData("2026-12-04T08:00:00+01:00", "Remind me to call the dentist on Friday at ten.", "Call the dentist", "2026-12-04T10:00:00+01:00")]
    [InlineData("2026-12-04T11:00:00+01:00", "Remind me to call the dentist on Friday at ten.", "Call the dentist", "2026-12-11T10:00:00+01:00")]
    // Today, tomorrow, tonight.
    [InlineData(Wednesday, "I need to renew my passport tomorrow morning.", "Renew my passport", "2026-12-03T09:00:00+01:00")]
    [InlineData(Wednesday, "Remember to water the plants tomorrow at 3pm.", "Water the plants", "2026-12-03T15:00:00+01:00")]
    [InlineData(Wednesday, "I'll send the slides tomorrow at nine thirty.", "Send the slides", "2026-12-03T09:30:00+01:00")]
    [InlineData(Wednesday, "I'll pick up the parcel at 10am tomorrow.", "Pick up the parcel", "2026-12-03T10:00:00+01:00")]
    [InlineData(Wednesday, "I need to call the vet the day after tomorrow.", "Call the vet", "2026-12-04T09:00:00+01:00")]
    [InlineData(Wednesday, "I have to finish the report this evening.", "Finish the report", "2026-12-02T19:00:00+01:00")]
    [InlineData(Wednesday, "Don't forget to take out the bins tonight.", "Take out the bins", "2026-12-02T20:00:00+01:00")]
    [InlineData(Wednesday, "Remind me to call her at ten o'clock tonight.", "Call her", "2026-12-02T22:00:00+01:00")]
    [InlineData(Wednesday, "I need to buy stamps today.", "Buy stamps", "2026-12-02T18:00:00+01:00")]
    [InlineData(Wednesday, "Remind me to call the garage in the afternoon.", "Call the garage", "2026-12-02T15:00:00+01:00")]
    [InlineData(Wednesday, "I need to call the school today at eight.", "Call the school", "2026-12-02T20:00:00+01:00")]
    [InlineData(Wednesday, "Remind me to call Mike at 10 tonight.", "Call Mike", "2026-12-02T22:00:00+01:00")]
    [InlineData(Wednesday, "i need to call the vet at 8 in the evening", "Call the vet", "2026-12-02T20:00:00+01:00")]
    [InlineData(Wednesday, "I'm gonna call the insurance company first thing tomorrow.", "Call the insurance company", "2026-12-03T09:00:00+01:00")]
    // Clock times.
    [InlineData(Wednesday, "Remind me to stretch at eleven.", "Stretch", "2026-12-02T11:00:00+01:00")]
    [InlineData(Wednesday, "Make sure to pick up the kids at half past four.", "Pick up the kids", "2026-12-02T16:30:00+01:00")]
    [InlineData(Wednesday, "Remind me to call Grandma at quarter to six.", "Call Grandma", "2026-12-02T17:45:00+01:00")]
    [InlineData(Wednesday, "Remind me to send the parcel at ten past three.", "Send the parcel", "2026-12-02T15:10:00+01:00")]
    [InlineData(Wednesday, "Please email the landlord at 7:30.", "Email the landlord", "2026-12-03T07:30:00+01:00")]
    [InlineData(Wednesday, "Remind me to call the office at 14:30.", "Call the office", "2026-12-02T14:30:00+01:00")]
    [InlineData("2026-12-02T11:00:00+01:00", "Remind me to call Tom at ten.", "Call Tom", "2026-12-03T10:00:00+01:00")]
    [InlineData(Wednesday, "I need to get my hair cut next Tuesday at 4:15 pm.", "Get my hair cut", "2026-12-08T16:15:00+01:00")]
    [InlineData(Wednesday, "I will call the garage at 5 pm.", "Call the garage", "2026-12-02T17:00:00+01:00")]
    [InlineData(Wednesday, "Remind me to take my pills at 8 a.m.", "Take my pills", "2026-12-03T08:00:00+01:00")]
    [InlineData(Wednesday, "Remind me to call mum at noon.", "Call mum", "2026-12-02T12:00:00+01:00")]
    [InlineData(Wednesday, "Remember to lock the garage at midnight.", "Lock the garage", "2026-12-03T00:00:00+01:00")]
    // Counted from now.
    [InlineData(Wednesday, "Can you call the plumber in two hours?", "Call the plumber", "2026-12-02T11:15:00+01:00")]
    [InlineData(Wednesday, "Remind me to check the oven in 30 minutes.", "Check the oven", "2026-12-02T09:45:00+01:00")]
    [InlineData(Wednesday, "Remind me in two hours to take the cake out.", "Take the cake out", "2026-12-02T11:15:00+01:00")]
    [InlineData(Wednesday, "In 20 minutes remind me to check the laundry.", "Check the laundry", "2026-12-02T09:35:00+01:00")]
    [InlineData(Wednesday, "Don't forget to feed the cat in an hour.", "Feed the cat", "2026-12-02T10:15:00+01:00")]
    [InlineData(Wednesday, "Remind me to leave for the airport in half an hour.", "Leave for the airport", "2026-12-02T09:45:00+01:00")]
    [InlineData(Wednesday, "Remind me to order the cake in two and a half hours.", "Order the cake", "2026-12-02T11:45:00+01:00")]
    [InlineData(Wednesday, "I've got to send the invoice in three days.", "Send the invoice", "2026-12-05T09:00:00+01:00")]
    [InlineData(Wednesday, "I need to pay the electricity bill in a week.", "Pay the electricity bill", "2026-12-09T09:00:00+01:00")]
    [InlineData(Wednesday, "We have to repaint the fence in two weeks.", "Repaint the fence", "2026-12-16T09:00:00+01:00")]
    // Weeks, weekends, months, dates.
    [InlineData(Wednesday, "Please buy oat milk and coffee beans before the weekend.", "Buy oat milk and coffee beans", "2026-12-04T18:00:00+01:00")]
    [InlineData(Wednesday, "Remind me to call Dad this weekend.", "Call Dad", "2026-12-05T09:00:00+01:00")]
    [InlineData(Wednesday, "Remind me to buy a gift by the end of the week.", "Buy a gift", "2026-12-04T18:00:00+01:00")]
    [InlineData(Wednesday, "We should book the hotel next week.", "Book the hotel", "2026-12-07T09:00:00+01:00")]
    [InlineData(Wednesday, "We need to clean the gutters next month.", "Clean the gutters", "2027-01-01T09:00:00+01:00")]
    [InlineData(Wednesday, "I need to submit the tax forms by the end of the month.", "Submit the tax forms", "2026-12-31T18:00:00+01:00")]
    [InlineData(Wednesday, "I must pay the rent on the 5th.", "Pay the rent", "2026-12-05T09:00:00+01:00")]
    [InlineData(Wednesday, "Remind me to pay the rent on the 1st.", "Pay the rent", "2027-01-01T09:00:00+01:00")]
    [InlineData("2026-11-05T09:00:00+01:00", "Remind me to call Bob on the 31st.", "Call Bob", "2026-12-31T09:00:00+01:00")]
    [InlineData(Wednesday, "Remind me to buy a gift for Tom on December 12.", "Buy a gift for Tom", "2026-12-12T09:00:00+01:00")]
    [InlineData(Wednesday, "Please send the contract on the twelfth of December.", "Send the contract", "2026-12-12T09:00:00+01:00")]
    [InlineData(Wednesday, "Remind me to renew the insurance on January 3rd.", "Renew the insurance", "2027-01-03T09:00:00+01:00")]
    [InlineData(Wednesday, "Remind me to renew my driving licence in March.", "Renew my driving licence", "2027-03-01T09:00:00+01:00")]
    [InlineData(Wednesday, "I have to file the taxes in December.", "File the taxes", "2026-12-31T18:00:00+01:00")]
    [InlineData(Wednesday, "Don't forget to call your mother on her birthday, the 5th of May.", "Call your mother on her birthday", "2027-05-05T09:00:00+02:00")]
    [InlineData(Wednesday, "Can we meet at the café at half past two on Thursday?", "Meet at the café", "2026-12-03T14:30:00+01:00")]
    // Across a change of the clocks: the offset is the one in force on the day it is due.
    [InlineData("2026-03-27T09:00:00+01:00", "Remind me to call the dentist on Monday at ten.", "Call the dentist", "2026-03-30T10:00:00+02:00")]
    [InlineData("2026-10-23T09:00:00+02:00", "I need to call the landlord next Monday at ten.", "Call the landlord", "2026-10-26T10:00:00+01:00")]
    [InlineData("2026-03-29T01:30:00+01:00", "Remind me to check the heating in two hours.", "Check the heating", "2026-03-29T04:30:00+02:00")]
    // Undated.
    [InlineData(Wednesday, "I need to fix the bike.", "Fix the bike", null)]
    [InlineData(Wednesday, "Let's plan the trip to Lisbon.", "Plan the trip to Lisbon", null)]
    [InlineData(Wednesday, "Can you send me the photos?", "Send me the photos", null)]
    [InlineData(Wednesday, "Make sure the back door is locked.", "Make sure the back door is locked", null)]
    [InlineData(Wednesday, "Don't forget your keys.", "Remember your keys", null)]
    [InlineData(Wednesday, "I should call my mother.", "Call my mother", null)]
    [InlineData(Wednesday, "Remind me about the trip to Paris.", "Remember the trip to Paris", null)]
    [InlineData(Wednesday, "I need to go to the bank.", "Go to the bank", null)]
    [InlineData(Wednesday, "We should really clean up the garage sometime.", "Clean up the garage", null)]
    [InlineData(Wednesday, "I really need to buy a new phone charger as soon as possible.", "Buy a new phone charger", null)]
    public void Extract_Phrasing_GivesDescriptionAndDueMoment(string start, string sentence, string description, string? due)
    {
        var extraction = Extract(start, sentence);

        var item = Assert.Single(extraction.ActionItems);
        Assert.Equal(description, item.Description);
        Assert.Equal(Show(Moment(due)), Show(item.DueAt));
    }

    [Theory]
    [InlineData("Let's see what happens.")]
    [InlineData("Let's say it costs ten euros.")]
    [InlineData("Let's hope it works.")]
    [InlineData("Let's go.")]
    [InlineData("I need a break.")]
    [InlineData("You have to see it.")]
    [InlineData("I have to say, the food was great.")]
    [InlineData("I need to think about it.")]
    [InlineData("I'll be there in a minute.")]
    [InlineData("I'm going to be late.")]
    [InlineData("I will never forget that day.")]
    [InlineData("We should probably go.")]
    [InlineData("Can you believe it?")]
    [InlineData("Can you hear me?")]
    [InlineData("Could you repeat that?")]
    [InlineData("Do I need to bring anything?")]
    [InlineData("Please sit down.")]
    [InlineData("I had to call the plumber yesterday.")]
    [InlineData("Book club was fun last week.")]
    [InlineData("Let's do it.")]
    [InlineData("Let's get started.")]
    [InlineData("I have to go now.")]
    [InlineData("I've got to finish this by midnight.")]
    [InlineData("Text me when you get there.")]
    [InlineData("I'll call you later.")]
    public void Extract_NoTask_GivesNoActionItem(string sentence)
    {
        Assert.Empty(Extract(Wednesday, sentence).ActionItems);
    }
}
